output "read_rule_arn" {
  description = "The EventBridge rule that sends one alert per unauthorised read."
  value       = secretmonitor_pipeline.this.read_rule_arn
}

output "tamper_rule_arn" {
  description = "The EventBridge rule that alerts on attacks on the pipeline."
  value       = secretmonitor_pipeline.this.tamper_rule_arn
}

output "event_pattern" {
  description = "The read rule's event pattern (same meaning as filter_pattern)."
  value       = secretmonitor_pipeline.this.event_pattern
}

output "filter_pattern" {
  value = secretmonitor_pipeline.this.filter_pattern
}

output "topic_arn" {
  value = secretmonitor_pipeline.this.topic_arn
}

output "protections" {
  value = secretmonitor_pipeline.this.protections
}
