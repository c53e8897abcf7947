# path: kms.key_arn
# expect: Invalid KMS key ARN
# expect: alias ARN
# expect: alias/audit
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  kms {
    key_arn = "alias/audit"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
