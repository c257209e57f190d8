# The library inside makes the wheel platform-specific: this marks it so
# (pyproject.toml holds everything else).
from setuptools import setup
from setuptools.dist import Distribution


class BinaryDistribution(Distribution):
    def has_ext_modules(self) -> bool:
        return True


setup(distclass=BinaryDistribution)
