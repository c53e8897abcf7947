resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  kms {
    key_arn = "arn:aws:kms:us-east-1:111122223333:alias/security/audit"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
