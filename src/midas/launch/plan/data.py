"""The default launch plan as data: the launch team's go-live plan (their own document, kept
with the team, not in this repository) item by item.

``plan_init`` (``midas launch plan init``) loads what is missing: the launch team's roles,
the checklist (the preparation week, the day before, launch authorization and post-launch
validation) and launch day's schedule, timed on the launch date in the launch state's time
zone (America/New_York by default). Times are local wall-clock times relative to launch
day: ``days=-1, hour=18`` is the day before at 18:00 local, whatever the UTC offset that
day (DST is handled by the zone, not by a fixed offset).

The plan names the preparation days Monday..Saturday for a Sunday launch; here they are
counted back from launch day (Monday = 6 days before, Saturday = the day before), so a
launch on another weekday keeps the same spacing.

``auto_check`` names a check of ``midas.launch.plan.checks`` that the system runs to prove
the item; the others are ticked by a named person with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from midas.launch.models import RoleKey


@dataclass(frozen=True)
class RoleSpec:
    key: str
    responsibilities: str
    escalation_level: int
    signs_gonogo: bool = False


# Escalation (the plan's matrix): level 1 the technical team, told when an incident opens
# (the coordinator is with them: they run launch day); level 2 management at 15 minutes;
# level 3 the executive team (the CEO and the CTO, separately) at 30 minutes. Legal and PR
# are the plan's emergency contacts: on call (level 0), reached by name, never paged by the
# escalation. The go/no-go is signed by the plan's decision authority: the coordinator
# ("decision making") and the executive team ("Decision Authority: Go/no-go decisions";
# "Public Launch Authorization: Executive approval obtained").
ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(
        RoleKey.COORDINATOR,
        "Overall launch management and coordination: timeline, team coordination, decisions.",
        1,
        signs_gonogo=True,
    ),
    RoleSpec(
        RoleKey.TECH_LEAD,
        "Technical system management and troubleshooting: monitoring, performance, issues.",
        1,
    ),
    RoleSpec(
        RoleKey.DEVOPS,
        "Infrastructure management and deployment: servers, monitoring, scaling, security.",
        1,
    ),
    RoleSpec(
        RoleKey.QA, "Quality assurance and testing validation: tests, bugs, quality gates.", 1
    ),
    RoleSpec(
        RoleKey.CS_LEAD,
        "Customer service team lead (5 representatives, 24/7 during launch week: the rota).",
        2,
    ),
    RoleSpec(RoleKey.MARKETING, "Campaign execution, communications, social media.", 2),
    RoleSpec(
        RoleKey.CEO,
        "On call during launch: go/no-go decisions, major issue resolution; told at once in "
        "an emergency.",
        3,
        signs_gonogo=True,
    ),
    RoleSpec(
        RoleKey.CTO,
        "On call during launch: go/no-go decisions, major technical issue resolution; told "
        "at once in an emergency.",
        3,
        signs_gonogo=True,
    ),
    RoleSpec(
        RoleKey.LEGAL,
        "Legal and compliance review; called in a security breach or a data incident.",
        0,
    ),
    RoleSpec(
        RoleKey.PR,
        "PR and communications: the press contact, public statements if needed.",
        0,
    ),
)

# The plan's vendor contacts, with what Midas uses each for (editable: midas launch team
# vendor SERVICE VENDOR --used-for ...). The plan names MongoDB Atlas for the database;
# Midas's own data is in PostgreSQL, so the team says what Atlas holds when they fill it in.
VENDORS: tuple[dict[str, str], ...] = (
    {
        "service": "payments",
        "vendor": "Stripe",
        "url": "https://support.stripe.com/",
        "used_for": "Card payments, security deposits and refunds",
    },
    {
        "service": "email",
        "vendor": "SendGrid",
        "url": "https://support.sendgrid.com/",
        "used_for": "Transactional email: confirmations, receipts, launch notices",
    },
    {
        "service": "hosting",
        "vendor": "Netlify",
        "url": "https://www.netlify.com/support/",
        "used_for": "Website hosting, CDN and DNS",
    },
    {
        "service": "database",
        "vendor": "MongoDB Atlas",
        "url": "https://support.mongodb.com/",
        "used_for": "Managed database named in the go-live plan (say what it holds)",
    },
)
# The placeholders earlier plans loaded: named now by the plan's vendor when untouched.
PLACEHOLDER_VENDORS = ("Hosting provider", "Database provider")


@dataclass(frozen=True)
class ItemSpec:
    key: str
    section: str
    title: str
    detail: str
    owner: str  # a RoleKey
    days: int  # relative to launch day
    hour: int
    minute: int = 0
    auto_check: str = ""
    required_for_go: bool = True


@dataclass(frozen=True)
class StepSpec:
    key: str
    hour: int
    minute: int
    title: str
    detail: str
    actions: dict[str, Any] = field(default_factory=dict)
    automatic: bool = True


def _lines(*bullets: str) -> str:
    return "\n".join(f"- {b}" for b in bullets)


MON = "T-7 Monday: Infrastructure finalisation"
TUE = "T-7 Tuesday: Data migration & testing"
WED = "T-7 Wednesday: Team training & documentation"
THU = "T-7 Thursday: Beta testing & validation"
FRI = "T-7 Friday: Final systems check"
SAT = "T-1 Saturday: Final preparations"
AUTH = "T-0 Launch authorization"
POST = "Post-launch validation"

C, T, D, Q = RoleKey.COORDINATOR, RoleKey.TECH_LEAD, RoleKey.DEVOPS, RoleKey.QA
CS, M, X = RoleKey.CS_LEAD, RoleKey.MARKETING, RoleKey.CEO

ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(
        "t7-mon-production-environment",
        MON,
        "Production environment setup",
        _lines(
            "Configure production servers and databases",
            "Install SSL certificates and security configurations",
            "Set up monitoring and alerting systems",
            "Configure CDN and DNS settings",
        ),
        D,
        -6,
        18,
    ),
    ItemSpec(
        "t7-mon-security-hardening",
        MON,
        "Security hardening",
        _lines(
            "Complete final security audit",
            "Implement all security recommendations",
            "Configure firewall and access controls",
            "Enable intrusion detection systems",
            "Proved by the system: Django's deployment checks (check --deploy) pass",
        ),
        D,
        -6,
        18,
        auto_check="security_settings",
    ),
    ItemSpec(
        "t7-tue-production-data",
        TUE,
        "Production data setup",
        _lines(
            "Migrate initial inventory data",
            "Set up user accounts and permissions",
            "Configure payment processing",
            "Test all integrations",
        ),
        T,
        -5,
        18,
    ),
    ItemSpec(
        "t7-tue-performance",
        TUE,
        "Performance optimisation",
        _lines(
            "Run final performance tests",
            "Optimise database queries and indexes",
            "Configure caching strategies",
            "Validate CDN performance",
        ),
        T,
        -5,
        18,
    ),
    ItemSpec(
        "t7-wed-staff-training",
        WED,
        "Staff training completion",
        _lines(
            "Customer service team training",
            "Admin interface training",
            "Emergency procedures review",
            "Support documentation review",
        ),
        CS,
        -4,
        18,
    ),
    ItemSpec(
        "t7-wed-support-ready",
        WED,
        "Customer service ready to answer",
        _lines(
            "Proved by the system: the ticket inbox staffed (the customer-service lead with "
            "a staff account, the concierge group)",
            "The customer-service rota covers launch day, 24 hours",
            "A test ticket answered end to end by e-mail (opened, answered from the inbox, "
            "the customer's e-mail reply back in the thread)",
        ),
        CS,
        -4,
        18,
        auto_check="support_ready",
    ),
    ItemSpec(
        "t7-wed-documentation",
        WED,
        "Documentation finalisation",
        _lines(
            "Update all user guides",
            "Finalise API documentation",
            "Complete troubleshooting guides",
            "Prepare launch communications",
        ),
        M,
        -4,
        18,
    ),
    ItemSpec(
        "t7-thu-beta-testing",
        THU,
        "Beta user testing",
        _lines(
            "Invite VIP customers for beta testing",
            "Collect and address feedback",
            "Perform final bug fixes",
            "Validate user experience",
        ),
        Q,
        -3,
        18,
    ),
    ItemSpec(
        "t7-thu-stakeholder-signoff",
        THU,
        "Stakeholder sign-off",
        _lines(
            "Executive team approval",
            "Legal and compliance review",
            "Marketing materials approval",
            "Customer service readiness",
        ),
        X,
        -3,
        18,
    ),
    ItemSpec(
        "t7-fri-system-validation",
        FRI,
        "Complete system validation",
        _lines(
            "Run full end-to-end tests",
            "Validate all integrations",
            "Check monitoring systems",
            "Verify backup procedures",
        ),
        Q,
        -2,
        18,
    ),
    ItemSpec(
        "t7-fri-launch-team",
        FRI,
        "Launch team preparation",
        _lines(
            "Brief launch team members",
            "Assign roles and responsibilities",
            "Set up communication channels",
            "Prepare emergency contacts",
            "Proved by the system: every role has a primary contact linked to a staff account",
        ),
        C,
        -2,
        18,
        auto_check="launch_team_assigned",
    ),
    ItemSpec(
        "t1-system-freeze",
        SAT,
        "System freeze in force",
        "No code changes after 18:00 local the day before launch (the freeze window).",
        D,
        -1,
        18,
        auto_check="freeze_in_force",
    ),
    ItemSpec(
        "t1-final-backup",
        SAT,
        "Final database backup",
        "A backup taken and verified (restored into a scratch database) in the last 24 h.",
        D,
        -1,
        18,
        auto_check="backup_verified_24h",
    ),
    ItemSpec(
        "t1-monitoring",
        SAT,
        "Monitoring system verification",
        "Synthetic probes recorded for every component in the last 5 minutes.",
        T,
        -1,
        18,
        auto_check="probes_running",
    ),
    ItemSpec(
        "t1-team-availability",
        SAT,
        "Team availability confirmation",
        "Every role's primary and backup confirmed for launch day.",
        C,
        -1,
        18,
    ),
    ItemSpec(
        "t1-readiness-review",
        SAT,
        "Launch readiness review",
        _lines(
            "Final checklist completion",
            "Risk assessment review",
            "Go/no-go decision meeting",
            "Launch authorization",
        ),
        C,
        -1,
        20,
    ),
    ItemSpec(
        "t0-prelaunch-validation",
        AUTH,
        "All pre-launch validation completed",
        "Every preparation item above done or marked not applicable.",
        C,
        0,
        6,
    ),
    ItemSpec("t0-team-assembled", AUTH, "Launch team assembled and ready", "", C, 0, 6),
    ItemSpec(
        "t0-monitoring-active",
        AUTH,
        "Monitoring systems active",
        "Proved by the system: probes recorded in the last 5 minutes and a worker heartbeat.",
        T,
        0,
        6,
        auto_check="monitoring_active",
    ),
    ItemSpec(
        "t0-core-checks",
        AUTH,
        "Core system checks passed (smoke journey)",
        _lines(
            "Homepage accessibility",
            "User registration functionality",
            "Booking system operation",
            "Payment processing validation (test mode)",
            "Proved by the system: a passing smoke run in the last 15 minutes",
        ),
        Q,
        0,
        6,
        30,
        auto_check="smoke_passed_15m",
    ),
    ItemSpec(
        "t0-test-email",
        AUTH,
        "Test email delivered",
        "Proved by the system: the smoke run's confirmation email, or an email sent in 24 h.",
        Q,
        0,
        6,
        30,
        auto_check="test_email_delivered",
    ),
    ItemSpec(
        "t0-emergency-procedures",
        AUTH,
        "Emergency procedures reviewed",
        "Rollback triggers and the rollback, the escalation matrix, the communication plan.",
        T,
        0,
        6,
    ),
    ItemSpec("t0-executive-approval", AUTH, "Executive approval obtained", "", X, 0, 10),
    ItemSpec(
        "t0-launch-authorized",
        AUTH,
        "LAUNCH AUTHORIZED",
        "The coordinator's word after the go/no-go decision.",
        C,
        0,
        10,
    ),
    ItemSpec(
        "post-system-stable",
        POST,
        "System stability confirmed",
        "",
        T,
        0,
        18,
        required_for_go=False,
    ),
    ItemSpec(
        "post-registrations",
        POST,
        "User registrations functioning",
        "",
        Q,
        0,
        18,
        auto_check="smoke_passed_15m",
        required_for_go=False,
    ),
    ItemSpec(
        "post-booking",
        POST,
        "Booking process working",
        "",
        Q,
        0,
        18,
        auto_check="smoke_passed_15m",
        required_for_go=False,
    ),
    ItemSpec(
        "post-payments",
        POST,
        "Payment processing active",
        "",
        T,
        0,
        18,
        auto_check="smoke_passed_15m",
        required_for_go=False,
    ),
    ItemSpec(
        "post-customer-service",
        POST,
        "Customer service operational",
        "Proved by the system: someone on the rota now, the inbox staffed, no open ticket "
        "past its first-response time.",
        CS,
        0,
        18,
        auto_check="support_operational",
        required_for_go=False,
    ),
    ItemSpec(
        "post-launch-successful",
        POST,
        "LAUNCH SUCCESSFUL",
        "",
        C,
        0,
        18,
        required_for_go=False,
    ),
)

# Steps marked ``requires_go`` run only after a GO record made on launch day.
STEPS: tuple[StepSpec, ...] = (
    StepSpec(
        "d0-0600-initiation",
        6,
        0,
        "Launch initiation",
        _lines(
            "Launch coordinator online; technical team standby",
            "Customer service team ready; executive team notified",
            "Enable production environment; activate monitoring, health checks, tracking",
        ),
        {"announce": "Launch day begins: launch team assembly, system activation."},
    ),
    StepSpec(
        "d0-0630-core-checks",
        6,
        30,
        "Initial validation: core system checks",
        _lines(
            "Homepage accessibility, registration, booking system, payment validation",
            "Response time, error rate, database performance, CDN",
        ),
        {"smoke": True},
    ),
    StepSpec(
        "d0-0700-soft-launch",
        7,
        0,
        "Soft launch begins: beta users, 10% of traffic",
        _lines(
            "Enable access for beta users",
            "10% of planned traffic capacity",
            "Monitor activity, stability, error handling; collect initial feedback",
        ),
        {"phase": "soft_launch", "gate": "beta", "ramp": 10},
    ),
    StepSpec(
        "d0-0800-expansion",
        8,
        0,
        "Soft launch expansion: VIP invitations, 25% of traffic",
        _lines(
            "Invite VIP customers; enable social media access",
            "Increase traffic to 25%; monitor conversion rates",
            "Test booking completions, payments, email notifications, admin functions",
        ),
        {"gate": "invite", "ramp": 25},
    ),
    StepSpec(
        "d0-0900-optimisation",
        9,
        0,
        "Soft launch optimisation",
        _lines(
            "Performance tuning from real data: caching, queries, CDN",
            "Address issues, quick fixes, update monitoring alerts, tell users",
        ),
        {"announce": "Soft launch optimisation: tune, fix, prepare the go/no-go review."},
    ),
    StepSpec(
        "d0-1000-gonogo",
        10,
        0,
        "Go/no-go decision",
        _lines(
            "Assess soft launch results, system performance, user feedback",
            "Executive approval; marketing notified; customer service scaled up",
        ),
        {"gonogo": True},
    ),
    StepSpec(
        "d0-1030-public",
        10,
        30,
        "Public launch",
        _lines(
            "Remove access restrictions; enable all features",
            "Marketing launch: social media, email campaigns, press release, influencers",
        ),
        {"phase": "public", "gate": "public", "requires_go": True},
    ),
    StepSpec(
        "d0-1100-ramp-50",
        11,
        0,
        "Traffic scaling: 50%",
        _lines(
            "Scale to 50% capacity; validate auto-scaling and user experience",
            "Customer service fully online: live chat, phone, email support",
        ),
        {"ramp": 50, "requires_go": True},
    ),
    StepSpec(
        "d0-1200-ramp-100",
        12,
        0,
        "Full capacity: 100%",
        _lines(
            "Remove all traffic limits; full feature availability",
            "Real-time metrics, behaviour, conversion, system health",
        ),
        {"ramp": 100, "requires_go": True},
    ),
    StepSpec(
        "d0-1400-stabilisation",
        14,
        0,
        "Launch stabilisation",
        _lines(
            "Performance, database, cache and CDN fine-tuning",
            "Address user feedback; conversion funnel, page load, mobile",
        ),
        {"phase": "stabilisation", "requires_go": True},
    ),
    StepSpec(
        "d0-1600-review",
        16,
        0,
        "Launch review",
        _lines(
            "Analyse launch metrics, system performance, user feedback",
            "Team debrief: lessons learned, success metrics, next steps",
        ),
        {"announce": "Launch review and team debrief (midas launch report)."},
    ),
    StepSpec(
        "d0-1800-completion",
        18,
        0,
        "Launch completion",
        _lines(
            "Official launch completion: success metrics achieved, stability confirmed",
            "A person confirms it (run this step): the phase becomes 'launched'",
        ),
        {"phase": "launched"},
        automatic=False,
    ),
)

ACTION_KEYS = frozenset({"phase", "gate", "ramp", "smoke", "gonogo", "announce", "requires_go"})
