output "trail_arn" {
  value = secretmonitor_pipeline.this.trail_arn
}

output "trail_logging" {
  value = secretmonitor_pipeline.this.trail_logging
}

output "log_group_name" {
  value = secretmonitor_pipeline.this.log_group_name
}

output "filter_pattern" {
  value = secretmonitor_pipeline.this.filter_pattern
}

output "alarm_arn" {
  value = secretmonitor_pipeline.this.alarm_arn
}

output "topic_arn" {
  value = secretmonitor_pipeline.this.topic_arn
}

output "subscriptions" {
  value = secretmonitor_pipeline.this.subscriptions
}

output "archive_bucket_name" {
  value = secretmonitor_pipeline.this.archive_bucket_name
}

output "kms_key_arn" {
  value = secretmonitor_pipeline.this.kms_key_arn
}

output "delivery_role_arn" {
  value = secretmonitor_pipeline.this.delivery_role_arn
}

output "retention_days" {
  value = secretmonitor_pipeline.this.log_group.retention_days
}

output "tags_all" {
  value = secretmonitor_pipeline.this.tags_all
}

output "console_url" {
  value = secretmonitor_pipeline.this.console_url
}

output "read_rule_arn" {
  value = secretmonitor_pipeline.this.read_rule_arn
}

output "tamper_rule_arn" {
  value = secretmonitor_pipeline.this.tamper_rule_arn
}

output "last_verification" {
  value = secretmonitor_pipeline.this.last_verification
}

output "dashboard_url" {
  value = secretmonitor_pipeline.this.dashboard_url
}
