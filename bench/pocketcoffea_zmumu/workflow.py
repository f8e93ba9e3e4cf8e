"""Workflow of PocketCoffea's configs/zmumu example (AnalysisConfigs), unchanged in substance:
MuonGood, ElectronGood (lepton_selection), LeptonGood, JetGood (jet_selection with lepton
cleaning and PU ID), BJetGood (btagging, DeepFlavB M), ll = get_dilepton(ElectronGood, MuonGood)."""
import awkward as ak

from pocket_coffea.workflows.base import BaseProcessorABC
from pocket_coffea.lib.leptons import lepton_selection, get_dilepton
from pocket_coffea.lib.jets import jet_selection, btagging


class ZmumuBaseProcessor(BaseProcessorABC):
    def __init__(self, cfg):
        super().__init__(cfg)

    def apply_object_preselection(self, variation):
        self.events["MuonGood"] = lepton_selection(self.events, "Muon", self.params)
        self.events["ElectronGood"] = lepton_selection(self.events, "Electron", self.params)
        leptons = ak.with_name(
            ak.concatenate((self.events.MuonGood, self.events.ElectronGood), axis=1),
            name="PtEtaPhiMCandidate",
        )
        self.events["LeptonGood"] = leptons[ak.argsort(leptons.pt, ascending=False)]
        self.events["JetGood"], self.jetGoodMask = jet_selection(
            self.events, "Jet", self.params, self._year, leptons_collection="LeptonGood"
        )
        self.events["BJetGood"] = btagging(
            self.events["JetGood"], self.params.btagging.working_point[self._year],
            wp=self.params.object_preselection.Jet.btag.wp,
        )
        self.events["ll"] = get_dilepton(self.events.ElectronGood, self.events.MuonGood)

    def count_objects(self, variation):
        self.events["nMuonGood"] = ak.num(self.events.MuonGood)
        self.events["nElectronGood"] = ak.num(self.events.ElectronGood)
        self.events["nLeptonGood"] = self.events["nMuonGood"] + self.events["nElectronGood"]
        self.events["nJetGood"] = ak.num(self.events.JetGood)
        self.events["nBJetGood"] = ak.num(self.events.BJetGood)
