"""Operations with exactly one problem each, unless a comment says otherwise."""
