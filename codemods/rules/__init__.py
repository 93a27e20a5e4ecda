"""One rule per module, named ``aioNNN_<what_it_fixes>``; discovered by ``registry``."""
