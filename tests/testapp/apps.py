from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """A small GxP stand-in installed only by the test settings (until domain models exist)."""

    name = "tests.testapp"
    label = "testapp"
    default_auto_field = "django.db.models.BigAutoField"
