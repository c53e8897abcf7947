# path: kms.key_arn
# expect: Invalid KMS key ARN
# expect: not a key ID
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  kms {
    key_arn = "arn:aws:kms:us-east-1:111122223333:key/my-key"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
