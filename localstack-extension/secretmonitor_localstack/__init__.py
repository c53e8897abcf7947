"""LocalStack extension used by terraform-provider-secretmonitor's tests.

LocalStack's free edition has no CloudTrail. This package registers a
`cloudtrail:default` provider (see `plugins.py`) that serves CloudTrail's
control plane from the moto engine LocalStack already bundles, with fixes
where moto differs from AWS in ways the provider's tests would notice, and
emulates CloudTrail's delivery of management events.

Layout:
  plugins.py              entry points LocalStack discovers (pyproject.toml)
  cloudtrail_provider.py  the CloudTrail API handlers
  resources.py            look-ups into LocalStack's own S3/SNS/KMS state
  cloudtrail_recorder.py  API calls -> CloudTrail records (gateway handler chain hooks)
  cloudtrail_delivery.py  records -> trails' log groups and EventBridge (background worker)
  metric_filters.py       metric filters judged by the project's pattern evaluator,
                          on their own log group only
  emulation_fixes.py      corrections to LocalStack; installs the modules above
                          at start-up (on_infra_start hook in plugins.py)

What is emulated, and what is not: ../README.md.
"""
