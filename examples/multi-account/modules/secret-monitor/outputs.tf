output "account_id" {
  description = "Account the pipeline was built in (from the provider's credentials)."
  value       = secretmonitor_pipeline.this.account_id
}

output "trail_arn" {
  value = secretmonitor_pipeline.this.trail_arn
}

output "log_group_name" {
  value = secretmonitor_pipeline.this.log_group_name
}

output "topic_arn" {
  value = secretmonitor_pipeline.this.topic_arn
}

output "alarm_arn" {
  value = secretmonitor_pipeline.this.alarm_arn
}

output "read_rule_arn" {
  value = secretmonitor_pipeline.this.read_rule_arn
}

output "kms_key_arn" {
  value = secretmonitor_pipeline.this.kms_key_arn
}
