# path: kms.key_arn
# expect: Invalid KMS key ARN
# expect: AWS managed key
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  kms {
    key_arn = "arn:aws:kms:us-east-1:111122223333:alias/aws/s3"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
