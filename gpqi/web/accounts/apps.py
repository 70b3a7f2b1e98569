from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "gpqi.web.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from gpqi.web.accounts import lockout  # noqa: F401  (connects the lock-out receiver)
