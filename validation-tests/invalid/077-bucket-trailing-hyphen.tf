# path: archive.bucket_name
# expect: Invalid bucket name
# expect: start and end
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  archive {
    bucket_name = "audit-archive-"
  }
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
