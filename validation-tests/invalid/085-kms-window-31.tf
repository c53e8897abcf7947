# path: kms.deletion_window_days
# expect: Invalid deletion window
# expect: deletion_window_days = 31
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  kms {
    deletion_window_days = 31
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
