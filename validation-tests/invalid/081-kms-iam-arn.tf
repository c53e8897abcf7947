# path: kms.key_arn
# expect: Invalid KMS key ARN
# expect: not of a KMS key
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  kms {
    key_arn = "arn:aws:iam::111122223333:role/key"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
