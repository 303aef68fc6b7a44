from django import template

register = template.Library()


@register.filter
def errors_for(form, field: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return form.error_items(field) if form is not None and hasattr(form, "error_items") else []
