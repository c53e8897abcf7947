# path: name
# expect: Invalid pipeline name
# expect: amzn-s3-demo-
resource "secretmonitor_pipeline" "this" {
  name = "amzn-s3-demo-prod"
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
