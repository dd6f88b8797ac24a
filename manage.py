#!/usr/bin/env python
import os
import sys

# The demo's commands bring their own environment (config/demo/environment.py), so that
# they run from a fresh clone with DEBUG off and nothing set.
DEMO_COMMANDS = {"run_demo", "seed_demo"}

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if sys.argv[1:2] and sys.argv[1] in DEMO_COMMANDS:
        from config.demo.environment import use_demo_environment

        use_demo_environment()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
