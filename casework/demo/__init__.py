"""The demo school: generated pupils and marks (`generator`), stored through the services
(`builder`), so that a person can try Casework with nothing but Python."""

from casework.demo.builder import (
    DEMO_USERS,
    DemoReport,
    NotADemoSchoolError,
    build_demo,
    demo_sign_ins,
    ensure_demo_users,
)
from casework.demo.generator import (
    DEFAULT_SEED,
    DEMO_LA,
    DEMO_NAME,
    DEMO_STEPS,
    DEMO_URN,
    DemoSchool,
    academic_year_terms,
    easter_sunday,
    generate,
)

__all__ = [
    "DEFAULT_SEED",
    "DEMO_LA",
    "DEMO_NAME",
    "DEMO_STEPS",
    "DEMO_URN",
    "DEMO_USERS",
    "DemoReport",
    "DemoSchool",
    "NotADemoSchoolError",
    "academic_year_terms",
    "build_demo",
    "demo_sign_ins",
    "easter_sunday",
    "ensure_demo_users",
    "generate",
]
