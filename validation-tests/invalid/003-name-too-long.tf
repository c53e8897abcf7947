# path: name
# expect: Invalid pipeline name
# expect: 41 characters
# expect: 3 to 40
resource "secretmonitor_pipeline" "this" {
  name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
