# path: secrets
# expect: Filter pattern too long
# expect: of 90 secrets fit
# expect: 1024
resource "secretmonitor_pipeline" "this" {
  name = "prod-secrets"
  secrets = [for i in range(90) : "team-${i}/service-database-password-${i}"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
