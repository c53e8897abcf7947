"""LocalStack extension used by terraform-provider-secretmonitor's tests.

LocalStack's free edition has no CloudTrail. This package registers a
`cloudtrail:default` provider (see `plugins.py`) that serves CloudTrail's
control plane from the moto engine LocalStack already bundles, with fixes
where moto differs from AWS in ways the provider's tests would notice.

Layout:
  plugins.py              entry point LocalStack discovers (pyproject.toml)
  cloudtrail_provider.py  the CloudTrail API handlers
  resources.py            look-ups into LocalStack's own S3/SNS/KMS state

CloudTrail event recording/delivery is meant to live in its own module, wired
up from the provider's lifecycle hooks.
"""
