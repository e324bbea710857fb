"""A real LambdaContext-shaped object for calling handlers in-process."""

from dataclasses import dataclass


@dataclass
class FakeLambdaContext:
    function_name: str = "castle-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:castle-test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
