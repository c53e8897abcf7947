# path: secrets[0]
# expect: Invalid secret
# expect: '*'
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  secrets = ["prod/*/db"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
