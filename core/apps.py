from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Audit and workflow"

    def ready(self) -> None:
        from core.audit import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="core.audit.sqlite_functions")
