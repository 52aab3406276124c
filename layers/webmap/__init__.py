"""The web map: the folium map, its layers and browser scripts, basemaps and offline Leaflet."""
