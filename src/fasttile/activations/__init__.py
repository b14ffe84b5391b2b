"""What a network's weights do: the activations a layer produces for some inputs.

capture() runs a model and keeps chosen layers' outputs; feature_maps() draws them;
top_examples() finds, per unit, the inputs of a dataset that excite it most; cards()
draws those inputs as one card per unit.
"""

from .capture import Activations, capture
from .cards import Cards, cards
from .feature_maps import feature_maps
from .top_examples import TopExamples, top_examples

__all__ = ["Activations", "Cards", "TopExamples", "capture", "cards", "feature_maps", "top_examples"]
