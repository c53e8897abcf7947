# path: archive.expire_after_days
# expect: Negative expiry
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  archive {
    expire_after_days = -30
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
