"""PocketCoffea 0.9.13 configuration of the full `pc zmumu` analysis (PocketCoffea's
configs/zmumu example; calibrators off; weights genWeight, lumi, XS only: no pileup / muon SFs,
as in validation/zmumu_reference.py).  The dataset JSON comes from $PCBENCH_DATASETS.
Run (bench/zmumu_bench.py does this):
   PCBENCH_DATASETS=ds.json python ../shared/refharness/pc_cli_shim.py run \
       --cfg bench/pocketcoffea_zmumu/config.py -o OUT -e iterative -c 150000 --ignore-grid-certificate
"""
import os
import sys

localdir = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, localdir)

import awkward as ak  # noqa: E402
from pocket_coffea.utils.configurator import Configurator  # noqa: E402
from pocket_coffea.lib.cut_definition import Cut  # noqa: E402
from pocket_coffea.lib.cut_functions import (  # noqa: E402
    get_nObj_min, get_HLTsel, get_nPVgood, goldenJson, eventFlags)
from pocket_coffea.parameters.cuts import passthrough  # noqa: E402
from pocket_coffea.parameters.histograms import muon_hists, jet_hists, count_hist  # noqa: E402
from pocket_coffea.lib.hist_manager import HistConf, Axis  # noqa: E402
from pocket_coffea.parameters import defaults  # noqa: E402
from pocket_coffea.lib.weights.common.common import common_weights  # noqa: E402

from workflow import ZmumuBaseProcessor  # noqa: E402

default_parameters = defaults.get_default_parameters()
defaults.register_configuration_dir("config_dir", localdir + "/params")
parameters = defaults.merge_parameters_from_files(
    default_parameters, f"{localdir}/params/object_preselection.yaml", update=True)


def dimuon(events, params, year, sample, **kwargs):
    mask = (
        (events.nLeptonGood == 2)
        & (events.nMuonGood == 2)
        & (events.nElectronGood == 0)
        & (ak.firsts(events.MuonGood.pt) > params["pt_leading_muon"])
        & (events.ll.charge == 0)
        & (events.ll.mass > params["mll"]["low"])
        & (events.ll.mass < params["mll"]["high"])
    )
    return ak.where(ak.is_none(mask), False, mask)


dimuon_presel = Cut(name="dilepton", params={"pt_leading_muon": 25, "mll": {"low": 25, "high": 2000}},
                    function=dimuon)

cfg = Configurator(
    parameters=parameters,
    datasets={"jsons": [os.environ["PCBENCH_DATASETS"]],
              "filter": {"samples": ["DYJetsToLL"], "samples_exclude": [], "year": ["2018"]}},
    workflow=ZmumuBaseProcessor,
    skim=[get_nPVgood(1), eventFlags, goldenJson, get_nObj_min(1, 18., "Muon"),
          get_HLTsel(primaryDatasets=["SingleMuon"])],
    preselections=[dimuon_presel],
    categories={"baseline": [passthrough]},
    weights_classes=common_weights,
    weights={"common": {"inclusive": ["genWeight", "lumi", "XS"], "bycategory": {}}, "bysample": {}},
    variations={"weights": {"common": {"inclusive": [], "bycategory": {}}, "bysample": {}}},
    calibrators=[],
    variables={
        **muon_hists(coll="MuonGood", pos=0),
        **count_hist(name="nElectronGood", coll="ElectronGood", bins=3, start=0, stop=3),
        **count_hist(name="nMuonGood", coll="MuonGood", bins=3, start=0, stop=3),
        **count_hist(name="nJets", coll="JetGood", bins=8, start=0, stop=8),
        **count_hist(name="nBJets", coll="BJetGood", bins=8, start=0, stop=8),
        **jet_hists(coll="JetGood", pos=0),
        **jet_hists(coll="JetGood", pos=1),
        "mll": HistConf([Axis(coll="ll", field="mass", bins=100, start=0, stop=200,
                              label=r"$M_{\ell\ell}$ [GeV]")]),
    },
)
