from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from midas.accounts.authentication import api_token_revoke
from midas.accounts.deletion import account_delete, deletion_blockers
from midas.accounts.models import ApiToken, User
from midas.errors import AppError


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    extra = 0
    can_delete = False
    fields = ["prefix", "name", "created_at", "last_used_at", "expires_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "get_full_name",
        "email_verified",
        "is_beta",
        "is_staff",
        "date_joined",
    ]
    list_filter = [
        "is_staff",
        "is_active",
        "is_beta",
        ("email_verified_at", admin.EmptyFieldListFilter),
        ("deleted_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email", "first_name", "last_name", "phone", "licence_number", "=legacy_id"]
    readonly_fields = ["last_login", "date_joined", "email_verified_at", "legacy_id", "deleted_at"]
    fieldsets = (
        (None, {"fields": ("email", "password", "email_verified_at")}),
        ("Profile", {"fields": ("first_name", "last_name", "phone", "date_of_birth")}),
        ("Driving licence", {"fields": ("licence_number", "licence_country", "licence_expiry")}),
        ("Launch", {"fields": ("is_beta",)}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined", "deleted_at")}),
        ("Old site", {"fields": ("legacy_id",)}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [ApiTokenInline]
    actions = ["mark_beta", "unmark_beta", "delete_accounts"]

    @admin.display(boolean=True, description="verified", ordering="email_verified_at")
    def email_verified(self, user: User) -> bool:
        return user.is_email_verified

    @admin.action(description="Admit to the beta")
    def mark_beta(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = queryset.update(is_beta=True, updated_at=timezone.now())
        self.message_user(request, f"{count} customers admitted to the beta.", messages.SUCCESS)

    @admin.action(description="Remove from the beta")
    def unmark_beta(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = queryset.update(is_beta=False, updated_at=timezone.now())
        self.message_user(request, f"{count} customers removed from the beta.", messages.SUCCESS)

    @admin.action(description="Delete and anonymise the selected accounts", permissions=["change"])
    def delete_accounts(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        """The customer's own deletion (``account_delete``), by staff on request: a page
        first lists what blocks each account, then Delete and anonymise does it."""
        if "apply" not in request.POST:
            context = {
                **self.admin_site.each_context(request),
                "title": "Delete and anonymise accounts",
                "opts": self.model._meta,
                "rows": [(user, deletion_blockers(user)) for user in queryset],
                "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/accounts/user/delete_accounts.html", context)
        deleted = 0
        for user in queryset:
            try:
                account_delete(user=user, by=request.user)  # type: ignore[arg-type]
            except AppError as exc:
                self.message_user(request, f"{user.email}: {exc.message}", messages.ERROR)
            else:
                deleted += 1
        if deleted:
            self.message_user(
                request, f"{deleted} accounts deleted and anonymised.", messages.SUCCESS
            )
        return None


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "user",
        "name",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "prefix", "name"]
    list_select_related = ["user"]
    fields = ["user", "prefix", "name", "created_at", "last_used_at", "expires_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued by POST /api/v1/auth/token only

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, by=request.user)  # type: ignore[arg-type]
            count += 1
        self.message_user(request, f"{count} tokens revoked.", messages.SUCCESS)
