"""Plugin entry points, registered in pyproject.toml.

LocalStack discovers service providers through the `localstack.aws.provider`
entry point group; `aws_provider` turns the factory into the PluginSpec the
entry point must name, exactly as LocalStack's own services/providers.py does.
Imports stay inside the factory so that merely discovering plugins (which
LocalStack does at start-up and in its CLI) loads nothing heavy.
"""

from localstack.services.plugins import Service, aws_provider


@aws_provider(api="cloudtrail")
def cloudtrail() -> Service:
    from .cloudtrail_provider import CloudTrailProvider, dispatch_table

    return Service.for_provider(CloudTrailProvider(), dispatch_table_factory=dispatch_table)


from localstack.runtime import hooks  # noqa: E402


@hooks.on_infra_start()
def secretmonitor_emulation_fixes() -> None:
    from .emulation_fixes import apply_all

    apply_all()
