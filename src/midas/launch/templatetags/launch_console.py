from django import template

from midas.launch import console

register = template.Library()


@register.simple_tag
def launch_nav() -> list[tuple[str, str]]:
    return console.nav()
