from django.apps import AppConfig


class DemoConfig(AppConfig):
    """No models: the app is here for its `demo` command."""

    name = "lofte.demo"
    label = "demo"
