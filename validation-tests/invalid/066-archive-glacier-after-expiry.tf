# path: archive.transition_to_glacier_after_days
# expect: Glacier transition after expiry
# expect: = 400
# expect: = 365
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  archive {
    transition_to_glacier_after_days = 400
    expire_after_days                = 365
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
