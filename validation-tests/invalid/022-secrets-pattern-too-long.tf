# path: secrets
# expect: Configuration over the pipeline's capacity
# expect: secrets (1000 entries)
# expect: scope rules on the pipeline's event bus
# expect: over the 30 this pipeline may use
# expect: raise event_pattern_max_length
# 1000 single secrets need more metric filters than the layout may use (so
# the alarm would count findings) and more scope rules than the 30 wildcard
# rules a bus allows.
resource "secretmonitor_pipeline" "this" {
  name    = "prod-secrets"
  secrets = [for i in range(1000) : "team-${i}/service-database-password-${i}"]
  notification {
    sqs_queue_arns = ["arn:aws:sqs:us-east-1:111122223333:alerts"]
  }
}
