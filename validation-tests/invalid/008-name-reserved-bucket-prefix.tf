# path: name
# expect: Invalid pipeline name
# expect: sthree-
# expect: archive.bucket_name
resource "secretmonitor_pipeline" "this" {
  name = "sthree-prod"
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
