"""Where things are: the register, the places and the geocoder, towns, boundaries, shapes, context layers, coordinate systems, and the build that joins them."""
