"""PostgreSQL (Aurora on AWS, the machine's own locally): pool, migrations and stores."""
