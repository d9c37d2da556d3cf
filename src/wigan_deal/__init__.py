"""wigan_deal: a reproducible evidence base for the claims of The King's Fund report
*A citizen-led approach to health and care: lessons from the Wigan Deal* (Naylor & Wellings, 2019).

Layers (data flows one way; lower layers never import higher ones)::

    config -> data -> its / synth -> claims / plots -> (notebooks) -> report
"""

__version__ = "0.1.0"
