terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" { type = string }
variable "access_key" { type = string }
variable "secret_key" {
  type      = string
  sensitive = true
}
variable "master_password" {
  type      = string
  sensitive = true
}
variable "publicly_accessible" {
  type    = bool
  default = false
}
variable "backup_retention_enabled" {
  type    = bool
  default = true
}
variable "preferred_backup_window" {
  type    = string
  default = "06:00-06:30"
}
variable "tag_env" {
  type    = string
  default = "a"
}
variable "blueprint_id" {
  type    = string
  default = "postgres_16"
}
variable "bundle_id" {
  type    = string
  default = "micro_2_0"
}
variable "master_username" {
  type    = string
  default = "appadmin"
}
variable "skip_final_snapshot" {
  type    = bool
  default = true
}
variable "final_snapshot_name" {
  type    = string
  default = null
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.access_key
  secret_key                  = var.secret_key
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    lightsail = var.endpoint
  }
}

resource "aws_lightsail_database" "test" {
  relational_database_name     = "tfdb"
  availability_zone            = "us-east-1a"
  master_database_name         = "app"
  master_password              = var.master_password
  master_username              = var.master_username
  blueprint_id                 = var.blueprint_id
  bundle_id                    = var.bundle_id
  preferred_backup_window      = var.preferred_backup_window
  preferred_maintenance_window = "tue:04:30-tue:05:00"
  publicly_accessible          = var.publicly_accessible
  backup_retention_enabled     = var.backup_retention_enabled
  apply_immediately            = true
  skip_final_snapshot          = var.skip_final_snapshot
  final_snapshot_name          = var.final_snapshot_name
  tags = {
    env = var.tag_env
  }
}

output "port" {
  value = aws_lightsail_database.test.master_endpoint_port
}
output "address" {
  value = aws_lightsail_database.test.master_endpoint_address
}
output "ca_certificate_identifier" {
  value = aws_lightsail_database.test.ca_certificate_identifier
}
