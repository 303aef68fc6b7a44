from django import template

from authflows.flows.sso.connections import Button, social_buttons

register = template.Library()


@register.simple_tag(name="social_buttons")
def social_buttons_tag() -> list[Button]:
    """The enabled social connections (cached), for the sign-in page's buttons."""
    return social_buttons()
