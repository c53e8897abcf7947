# path: archive.bucket_name
# expect: Invalid bucket name
# expect: 64 characters
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  archive {
    bucket_name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
