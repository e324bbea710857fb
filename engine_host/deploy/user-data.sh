#!/bin/bash
# Second stage of the engine hosts' user-data (the template's first stage wrote /etc/castle/engine.env
# and copied this bundle to /opt/castle-engine): install the wheels into a virtualenv, the CloudWatch
# agent for logs + EMF metrics, the systemd unit; attach this AZ's failover interface; start.
#
# Bundle layout (s3://<EngineArtifactBucket>/engine-host/): user-data.sh, castle-engine.service,
# wheels/*.whl (castle-engine-host with the mypyc-compiled castle_engine, castle, dependencies).
set -euo pipefail
bundle=/opt/castle-engine
log_group=${CASTLE_ENGINE_LOG_GROUP:-/castle/engine-host}

dnf install -y -q python3.11 amazon-cloudwatch-agent
id castle >/dev/null 2>&1 || useradd --system --home-dir /var/lib/castle-engine --shell /sbin/nologin castle
install -d -o castle -g castle /var/lib/castle-engine /var/lib/castle-engine/journal

python3.11 -m venv "$bundle/venv"
"$bundle/venv/bin/pip" install -q --no-index --find-links "$bundle/wheels" castle-engine-host castle

# Attach the stable address of this node group (the Route 53 failover records point at it).
set -a; . /etc/castle/engine.env; set +a
token=$(curl -sX PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
instance=$(curl -s -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id)
eni=$(aws ec2 describe-network-interfaces \
  --filters "Name=tag:castle:engine-stage,Values=$CASTLE_STAGE" "Name=tag:castle:engine-group,Values=$CASTLE_ENGINE_NODE_GROUP" \
  --query 'NetworkInterfaces[0].NetworkInterfaceId' --output text)
if [ -n "$eni" ] && [ "$eni" != "None" ]; then
  aws ec2 attach-network-interface --network-interface-id "$eni" --instance-id "$instance" --device-index 1 || true
fi

# journald -> CloudWatch Logs; the host prints JSON logs and EMF documents on stdout.
cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<JSON
{"logs": {"metrics_collected": {"emf": {}},
          "logs_collected": {"files": {"collect_list": [
            {"file_path": "/var/log/castle-engine.log", "log_group_name": "$log_group",
             "log_stream_name": "{instance_id}"}]}}}}
JSON
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json

install -m 0644 "$bundle/castle-engine.service" /etc/systemd/system/castle-engine.service
mkdir -p /etc/systemd/system/castle-engine.service.d
cat > /etc/systemd/system/castle-engine.service.d/log.conf <<UNIT
[Service]
StandardOutput=append:/var/log/castle-engine.log
StandardError=append:/var/log/castle-engine.log
UNIT
systemctl daemon-reload
systemctl enable --now castle-engine.service
