# path: secrets[0]
# expect: Invalid secret
# expect: full ARN
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  secrets = ["arn:aws:secretsmanager:us-east-1:111122223333:secret:db"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
