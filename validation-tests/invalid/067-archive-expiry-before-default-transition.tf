# path: archive.expire_after_days
# expect: Glacier transition after expiry
# expect: = 90
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  archive {
    expire_after_days = 30
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
