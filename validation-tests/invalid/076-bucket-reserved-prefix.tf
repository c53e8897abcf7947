# path: archive.bucket_name
# expect: Invalid bucket name
# expect: xn--
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  archive {
    bucket_name = "xn--audit"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
