# path: secrets[1]
# expect: Null list entry
# expect: secrets[1] is null
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  secrets = ["prod/*", null]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
