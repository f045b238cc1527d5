"""The types of lambda-code's parameters, for annotating code that uses it.

```python
from lambda_code.typing import CodeInput, OnEvent
```
"""

from ._types import Clock, CodeInput, OnEvent, OnPoll

__all__ = ["Clock", "CodeInput", "OnEvent", "OnPoll"]
