# path: name
# expect: Invalid pipeline name
# expect: 2 characters
resource "secretmonitor_pipeline" "this" {
  name = "ab"
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
