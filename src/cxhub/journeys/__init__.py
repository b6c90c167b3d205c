"""Customer journeys: designed journeys, discovery from the events, pain points and disconnects."""
