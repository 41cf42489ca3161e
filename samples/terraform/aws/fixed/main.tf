# The same instance reachable only from the VPN range and from other security groups;
# UDP 22 and ICMP are not management access. Administrators reach it through an EC2 Instance
# Connect Endpoint, and an EventBridge rule reports every security-group change.
# Expected: no finding.

variable "ssh_cidrs" {
  type    = list(string)
  default = ["10.8.0.0/16"]
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.2.0/24"
}

resource "aws_ec2_instance_connect_endpoint" "admin" {
  subnet_id = aws_subnet.private.id
}

resource "aws_security_group" "admin" {
  name   = "admin-workstations"
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "bastion" {
  name   = "bastion"
  vpc_id = aws_vpc.main.id

  ingress {
    description = "ssh from the VPN"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = var.ssh_cidrs
  }

  ingress {
    description = "ping"
    from_port   = -1
    to_port     = -1
    protocol    = "icmp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group_rule" "rdp_from_admins" {
  type                     = "ingress"
  from_port                = 3389
  to_port                  = 3389
  protocol                 = "tcp"
  source_security_group_id = aws_security_group.admin.id
  security_group_id        = aws_security_group.bastion.id
}

resource "aws_vpc_security_group_ingress_rule" "udp_22" {
  security_group_id = aws_security_group.bastion.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "udp"
  from_port         = 22
  to_port           = 22
}

resource "aws_instance" "bastion" {
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.private.id
  vpc_security_group_ids = [aws_security_group.bastion.id]
}

resource "aws_sns_topic" "secops" {
  name = "secops"
}

resource "aws_cloudwatch_event_rule" "sg_changes" {
  name        = "security-group-changes"
  description = "Security group rules were added or modified"
  event_pattern = jsonencode({
    source        = ["aws.ec2"]
    "detail-type" = ["AWS API Call via CloudTrail"]
    detail = {
      eventName = ["AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules"]
    }
  })
}

resource "aws_cloudwatch_event_target" "sg_changes" {
  rule = aws_cloudwatch_event_rule.sg_changes.name
  arn  = aws_sns_topic.secops.arn
}
