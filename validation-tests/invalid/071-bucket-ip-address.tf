# path: archive.bucket_name
# expect: Invalid bucket name
# expect: IP address
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  archive {
    bucket_name = "192.168.5.4"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
