from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"

    def ready(self) -> None:
        from casework import notices
        from core.workflow import moved

        moved.connect(notices.on_move, dispatch_uid="casework-notices")
