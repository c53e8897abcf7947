resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  archive {
    bucket_name                      = "acme.audit-archive-2026"
    transition_to_glacier_after_days = 0
    expire_after_days                = 0
    force_destroy                    = false
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
